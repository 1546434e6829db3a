-- Payments per method: a contracted mart. Its columns, types and
-- constraints are declared in schema.yml (contract: {enforced: true}), so
-- elt checks the select's columns against them before building and creates
-- the table with them: a NULL or repeated payment_method is refused by the
-- warehouse itself.
select
    cast(payment_method as varchar(20)) as payment_method,
    count(*) as payments,
    cast(sum(amount) as numeric(18, 2)) as amount
from {{ ref('payments_ledger') }}
group by payment_method
