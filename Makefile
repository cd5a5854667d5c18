# ReSight: the three commands a developer needs. Each bootstraps what it uses on a fresh
# machine (virtualenv, pinned Python and npm packages, Chromium for the browser tests).
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test test-unit bench lint dashboard curl clean verify-deployment reliability

$(STAMP): requirements.txt requirements-dev.txt
	python3.11 -m venv .venv || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip==25.3
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

dashboard/dist/index.html: $(shell find dashboard/src -type f 2>/dev/null) dashboard/package.json dashboard/index.html
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run build

dashboard: dashboard/dist/index.html

/usr/bin/chromium:
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: the browser tests will fail"

deps: $(STAMP) node_modules/.package-lock.json

run: deps dashboard
	$(PY) -m devhost

curl: deps
	$(PY) -c "import json,os;from devhost.bootstrap import local_settings as l;os.environ.update(l());from demo.example import signed_curl as s;print(s('http://127.0.0.1:7071', json.load(open('.local/host-keys.json'))['default']))"

test: deps dashboard /usr/bin/chromium
	cd dashboard && npm test --silent
	$(PY) -m pytest -m "unit or integration or e2e" -p no:cacheprovider

test-unit: $(STAMP)
	$(PY) -m pytest -m unit -q

bench: deps
	$(PY) bench/run_all.py

# The reliability harness (reliability/): properties, API and webhook fuzzing, crashes, outages
# and load, then one table (about 15 minutes).
reliability: deps
	$(PY) -m reliability

# Post-deploy checks against a deployed resource group (docs/deploy.md): make verify-deployment RG=rg-resight
verify-deployment: node_modules/.package-lock.json
	@test -n "$(RG)" || { echo "usage: make verify-deployment RG=<resource group>"; exit 2; }
	scripts/verify-deployment.sh "$(RG)"

# check_links.py: every link, #anchor and repository path named in the Markdown files resolves.
lint: $(STAMP)
	$(PY) scripts/check_links.py
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python -m mypy shared functions devhost demo function_app.py
	cd dashboard && npm run lint

clean:
	rm -rf .venv node_modules dashboard/node_modules dashboard/dist .local
