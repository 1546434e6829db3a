-- seed analytics.dbt_ann.customers from customers.csv, existing: "table", full refresh: false
-- load: reload the rows in one transaction
begin;

-- load: empty the table
delete from analytics.dbt_ann.customers;

-- load: insert CSV lines 2-5 [rows affected]
insert into analytics.dbt_ann.customers ("ID", "Full Name", "SCORE", "JOINED", "ACTIVE", "CODE", "SEEN_AT")
select cast(column1 as NUMBER(38,0)), cast(column2 as VARCHAR(16777216)), cast(column3 as FLOAT), cast(column4 as DATE), cast(column5 as BOOLEAN), cast(column6 as VARCHAR(16777216)), cast(column7 as TIMESTAMP_NTZ(9))
from values
  ('1', 'Ann', '1.5', '2024-01-02', 'true', '007', '2024-01-02 10:00:00'),
  ('2', null, '2.25', '2024-01-03', 'false', '10', '2024-01-03T11:30:00'),
  ('3', 'Smith, Jo', null, null, 'true', null, null),
  ('4', 'O''Brien \\ back', '-3e2', '2024-02-29', 'False', '12', null);

-- load: commit
commit;
