select * from {{ ref("orders") }}
