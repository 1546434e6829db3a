{{ config(materialized='table', tags=['daily']) }}
-- this={{ this }} schema={{ this.schema }} identifier={{ this.identifier }} database={{ this.database }}
-- target={{ target.name }}/{{ target.schema }}/{{ target.type }}/{{ target.threads }}/{{ target.database }}/{{ target.profile_name }} {{ target['name'] }}
-- config.get={{ config.get('materialized') }} missing={{ config.get('nope', 'dflt') }} require={{ config.require('materialized') }} tags={{ config.get('tags') | join(',') }}
-- var={{ var('region') }} cli={{ var('cli_only') }} scoped={{ var('scoped') }} default={{ var('absent', 'fallback') }}
-- env={{ env_var('ELT_TEST_ENV') }} env_default={{ env_var('ELT_MISSING', 'd') }}
-- incremental={{ is_incremental() }} execute={{ execute }}
-- started={{ run_started_at }} day={{ run_started_at.strftime('%Y-%m-%d %H:%M') }} iso={{ run_started_at.isoformat() }}
-- invocation={{ invocation_id }} version={{ dbt_version }} project={{ project_name }}
-- model={{ model.name }} {{ model.unique_id }} {{ model.config.materialized }} {{ model['resource_type'] }}
-- json={{ tojson({'a': [1, 2]}) }} from={{ fromjson('{"k": [1, "x"]}')['k'][1] }} zip={{ zip([1, 2], ['a', 'b']) }}
-- quote={{ adapter.quote('Weird Col') }} cents={{ cents_to_dollars('amount') }}
{%- set ns = namespace(total=0) %}
{%- for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}
-- namespace={{ ns.total }}
{%- set block_value %}captured {{ 1 + 1 }}{% endset %}
-- set_block={{ block_value }}
{%- set cols = column_list() %}
-- returned_list={{ cols | length }} first={{ cols[0] }} returned_bool={{ is_big(10) }} returned_dict={{ settings()['mode'] }}
{%- do cols.append('extra') %}
-- after_do={{ cols | join(',') }}
-- caller={% call wrap('x') %}inner {{ 40 + 2 }}{% endcall %}
-- nested={{ outer_macro() }}
-- dispatch={{ adapter.dispatch('greet')('you') }}
-- md5={{ local_md5('abc') }} log={{ log('hello from orders', info=True) }}{{ exceptions.warn('careful') }}
select *
from {{ ref('stg_orders') }}
join {{ source('raw', 'payments') }} using (id)
