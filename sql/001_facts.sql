-- placeholder: the facts schema is written by the foundation work
CREATE SCHEMA IF NOT EXISTS replyclock;
