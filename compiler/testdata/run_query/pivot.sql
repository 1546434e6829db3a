select
    1 as id_ada, 'ada' as name_1,
    2 as id_grace, 'grace' as name_2,
    2 as n, 2 as n_rows, 'id,name' as cols,
    'id/name' as col_names,
    'ada-grace' as names, 2 as last_id, 'id,name' as keys
