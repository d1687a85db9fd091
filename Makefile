# Pulse: Docker and local shortcuts. `make help` lists them.
CLIENT_REPLICAS ?= 1
COMPOSE ?= docker compose
COMPOSE_FILES := -f docker-compose.yml $(if $(PUBLISH),-f docker-compose.publish.yml)

.PHONY: help up down logs manual validate dev run test

help:
	@echo "make up [CLIENT_REPLICAS=N] [PUBLISH=PORT]  build and start the server and N load clients"
	@echo "make down                                   stop and remove the containers (data volume kept)"
	@echo "make logs                                   follow every container's logs"
	@echo "make manual                                 an interactive client on the compose network"
	@echo "make validate                               netcat check of the running server"
	@echo "make dev                                    server with nest start --watch on the sources"
	@echo "make run                                    without Docker: build, start server + one client"
	@echo "make test                                   without Docker: every test"

up:
	PULSE_PUBLISH_PORT=$(PUBLISH) CLIENT_REPLICAS=$(CLIENT_REPLICAS) \
	  $(COMPOSE) $(COMPOSE_FILES) up -d --build --scale client=$(CLIENT_REPLICAS)

down:
	$(COMPOSE) $(COMPOSE_FILES) down

logs:
	$(COMPOSE) $(COMPOSE_FILES) logs -f

manual:
	$(COMPOSE) $(COMPOSE_FILES) run --rm client manual

validate:
	scripts/validate-server.sh

dev:
	$(COMPOSE) -f docker-compose.yml -f docker-compose.dev.yml up --build

run:
	npm start

test:
	npm test
