-- One database per service and one for the broker (a service never writes another's database). Run once, when the volume is new.
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE notifications;
CREATE DATABASE broker;
