#!/bin/sh
# Run once by the postgres image when it creates its database: lets the
# optional replica (docker compose --profile replica) stream from this server.
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
