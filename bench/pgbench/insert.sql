INSERT INTO bench_raw.bq (payload) VALUES ('{"event":"order.created","orderId":42,"customer":"cust-000042","amount":99.95,"pad":"abcdefghijk"}');
