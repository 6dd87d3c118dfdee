-- One database per service and one for the broker (DESIGN.md section 3). Run once, when the volume is new.
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE notifications;
CREATE DATABASE broker;
