-- dynamic table settings
show dynamic tables like 'ORDERS' in schema analytics.dbt_ann;
