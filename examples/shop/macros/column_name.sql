{#- A column name from any label: lower case, each run of other characters
    as one underscore ("Out for delivery" -> out_for_delivery). modules.re is
    Python's re, as dbt offers it to templates. -#}
{% macro column_name(label) -%}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', label | lower).strip('_')) }}
{%- endmacro %}
