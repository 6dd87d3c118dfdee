-- One database per service and one for the broker (a service never writes another's database). Run once, when the volume is new;
-- the migrate service (apps/database-setup) then gives each to its owner role and creates the roles (idempotent).
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE notifications;
CREATE DATABASE broker;
