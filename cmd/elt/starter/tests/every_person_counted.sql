-- Fails when the per-city counts do not add up to the number of people.
select 1
from (select sum(people) as total from {{ ref('people_per_city') }}) counted
where counted.total <> (select count(*) from {{ ref('people') }})
