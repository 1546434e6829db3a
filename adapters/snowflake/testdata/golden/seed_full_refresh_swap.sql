-- seed analytics.dbt_ann.customers from customers.csv, existing: "table", full refresh: true
-- load: create the table under a temporary name
create table analytics.dbt_ann.customers__elt_tmp_0123456789ab (
  id INTEGER,
  "Full Name" VARCHAR,
  score FLOAT,
  joined DATE,
  active BOOLEAN,
  code INTEGER,
  seen_at TIMESTAMP_NTZ
);

-- load: insert CSV lines 2-5 [rows affected]
insert into analytics.dbt_ann.customers__elt_tmp_0123456789ab (id, "Full Name", score, joined, active, code, seen_at)
select cast(column1 as INTEGER), cast(column2 as VARCHAR), cast(column3 as FLOAT), cast(column4 as DATE), cast(column5 as BOOLEAN), cast(column6 as INTEGER), cast(column7 as TIMESTAMP_NTZ)
from values
  ('1', 'Ann', '1.5', '2024-01-02', 'true', '007', '2024-01-02 10:00:00'),
  ('2', null, '2.25', '2024-01-03', 'false', '10', '2024-01-03T11:30:00'),
  ('3', 'Smith, Jo', null, null, 'true', null, null),
  ('4', 'O''Brien \\ back', '-3e2', '2024-02-29', 'False', '12', null);

-- load: swap the new table with the old one (atomic)
alter table analytics.dbt_ann.customers__elt_tmp_0123456789ab swap with analytics.dbt_ann.customers;

-- load: drop the old rows
drop table analytics.dbt_ann.customers__elt_tmp_0123456789ab;

-- cleanup: drop the temporary table if it is left
drop table if exists analytics.dbt_ann.customers__elt_tmp_0123456789ab;
