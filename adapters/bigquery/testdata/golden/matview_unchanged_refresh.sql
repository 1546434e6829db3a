-- build
call bq.refresh_materialized_view('proj.analytics.orders');

