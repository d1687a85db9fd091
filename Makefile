# Pulse: Docker and local shortcuts. `make help` lists them.
CLIENT_REPLICAS ?= 1
# Compose: the v2 plugin (`docker compose`) where it is installed, else Compose v1
# (`docker-compose`, what Debian's docker-compose package installs). Override: make up COMPOSE=...
ifeq ($(origin COMPOSE), undefined)
COMPOSE := $(shell if docker compose version >/dev/null 2>&1; then echo docker compose; \
  elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)
endif
COMPOSE_FILES := -f docker-compose.yml $(if $(PUBLISH),-f docker-compose.publish.yml)
MONITORING_FILES := $(COMPOSE_FILES) -f docker-compose.monitoring.yml

.PHONY: help up down logs manual validate dev cluster-up cluster-down cluster-logs monitoring-up \
  monitoring-down base-images run test test-docker compose-installed

help:
	@echo "make up [CLIENT_REPLICAS=N] [PUBLISH=PORT]  build and start the server and N load clients"
	@echo "                                            (PUBLISH=7070: every interface; 127.0.0.1:7070: this machine)"
	@echo "make down                                   stop and remove the containers (data volume kept),"
	@echo "                                            Prometheus's and Alertmanager's too"
	@echo "make logs                                   follow every container's logs"
	@echo "make manual                                 an interactive client on the compose network"
	@echo "make validate                               netcat check of the running server"
	@echo "make dev                                    server with nest start --watch on the sources"
	@echo "make cluster-up [CLIENT_REPLICAS=N]         3 NATS servers, 3 Pulse nodes, N load clients"
	@echo "make cluster-down / cluster-logs            stop (volumes kept) / follow the cluster's logs"
	@echo "make monitoring-up [CLIENT_REPLICAS=N]      the stack (as make up) plus Prometheus and Alertmanager,"
	@echo "                                            on loopback ports it prints; PROMETHEUS_PUBLISH=127.0.0.1:9090"
	@echo "                                            and ALERTMANAGER_PUBLISH=127.0.0.1:9093 fix them"
	@echo "make monitoring-down                        stop and remove the stack and both (volumes kept)"
	@echo "make base-images                            node, busybox, nats, prometheus and alertmanager base"
	@echo "                                            images without a registry"
	@echo "make run                                    without Docker: build, start server + one client"
	@echo "make test                                   every test (npm test)"
	@echo "make test-docker                            only the container tests (npm run test:docker)"

compose-installed:
ifeq ($(strip $(COMPOSE)),)
	@echo "make: neither 'docker compose' (the Compose v2 plugin) nor 'docker-compose' is installed;" >&2
	@echo "      install one of them (Debian: apt-get install docker-compose)" >&2
	@exit 1
endif

up: compose-installed
	PULSE_PUBLISH=$(PUBLISH) CLIENT_REPLICAS=$(CLIENT_REPLICAS) \
	  $(COMPOSE) $(COMPOSE_FILES) up -d --build --scale client=$(CLIENT_REPLICAS)

# --remove-orphans: also Prometheus and Alertmanager if make monitoring-up started them (else
# they would keep running, and the network in use could not be removed).
down: compose-installed
	$(COMPOSE) $(COMPOSE_FILES) down --remove-orphans

logs: compose-installed
	$(COMPOSE) $(COMPOSE_FILES) logs -f

manual: compose-installed
	$(COMPOSE) $(COMPOSE_FILES) run --rm client manual

validate:
	scripts/validate-server.sh

dev: compose-installed
	$(COMPOSE) -f docker-compose.yml -f docker-compose.dev.yml up --build

cluster-up: compose-installed
	CLIENT_REPLICAS=$(CLIENT_REPLICAS) \
	  $(COMPOSE) -f docker-compose.cluster.yml up -d --build --scale client=$(CLIENT_REPLICAS)

cluster-down: compose-installed
	$(COMPOSE) -f docker-compose.cluster.yml down

cluster-logs: compose-installed
	$(COMPOSE) -f docker-compose.cluster.yml logs -f

monitoring-up: compose-installed
	PULSE_PUBLISH=$(PUBLISH) CLIENT_REPLICAS=$(CLIENT_REPLICAS) \
	  PULSE_PROMETHEUS_PUBLISH=$(PROMETHEUS_PUBLISH) PULSE_ALERTMANAGER_PUBLISH=$(ALERTMANAGER_PUBLISH) \
	  $(COMPOSE) $(MONITORING_FILES) up -d --build --scale client=$(CLIENT_REPLICAS)
	@echo "Prometheus:   http://$$($(COMPOSE) $(MONITORING_FILES) port prometheus 9090)"
	@echo "Alertmanager: http://$$($(COMPOSE) $(MONITORING_FILES) port alertmanager 9093)"

monitoring-down: compose-installed
	$(COMPOSE) $(MONITORING_FILES) down

base-images:
	scripts/docker-local-base.sh

run:
	npm start

test:
	npm test

test-docker:
	npm run test:docker
