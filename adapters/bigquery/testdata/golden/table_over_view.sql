-- build
create table `proj`.`analytics`.`orders__elt_tmp_0001`
options(
  expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)
)
as (
select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`
);

-- build
drop view if exists `proj`.`analytics`.`orders`;

-- build
create table `proj`.`analytics`.`orders`
as (
select * from `proj`.`analytics`.`orders__elt_tmp_0001`
);

-- build
drop table if exists `proj`.`analytics`.`orders__elt_tmp_0001`;

