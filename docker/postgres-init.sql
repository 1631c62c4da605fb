-- Pressroom's own database beside Temporal's; the worker applies its migrations at start-up.
CREATE ROLE pressroom LOGIN PASSWORD 'pressroom';
CREATE DATABASE pressroom OWNER pressroom;
