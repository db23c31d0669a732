# linnstream — build, test and run.
#
#   make run        the whole service locally on embedded defaults (ADDR, DATA_DIR)
#   make test       every test (unit, fixtures, moto integration, template checks)
#   make tools      the Python tools the tests run, pinned, into .venv/ (only if missing)
#   make lint       gofmt, go vet, staticcheck
#   make bench      benchmarks
#   make build      every Lambda bootstrap (linux/arm64) under .build/<LogicalId>/
#   make build-<LogicalId>   one function, as `sam build` (BuildMethod: makefile) calls it
#   make invoke FN=<LogicalId> EVENT=events/<file>.json [TOKEN=…] [SANDBOX=1]   one endpoint's function on one event, in-process
#                   (SANDBOX=1: on its own, with a fresh store and the sandboxes in-process)
#   make deploy     sam build && sam deploy (needs the sam CLI and AWS credentials)
#   make manifest BASE_URL=https://…   the Linnworks app manifest for that deployment

SHELL := /bin/bash
GO ?= go
ADDR ?= 127.0.0.1:3000
DATA_DIR ?= .local
BIN := $(CURDIR)/.bin
STATICCHECK_VERSION := v0.8.2
TEST_FLAGS ?= -race -count=1 -timeout 20m
BENCH ?= .

# The Python tools the tests run (moto_server for the AWS adapters, cfn-lint
# and the SAM translator for the template checks), pinned to the versions the
# tests were written against. `make tools` installs them into $(VENV) only
# when they are not already found there or on PATH.
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY_TOOLS := moto[server]==5.2.1 cfn-lint==1.51.0 aws-sam-translator==1.110.0
# The check only locates the modules (importing cfn-lint takes seconds), so
# `make test` on a machine that has the tools spends about a second here.
have_py_tools = PATH='$(VENV)/bin':"$$PATH"; command -v moto_server >/dev/null && command -v cfn-lint >/dev/null && \
	python3 -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("samtranslator", "cfnlint")))' 2>/dev/null

# Lambda functions by contract name: SAM logical id <Name>Function, main
# package functions/<lower-case name>. internal/stack checks these lists
# against template.yaml: the HTTP endpoints (what `make invoke` runs) and the
# queue and schedule workers.
ENDPOINT_FUNCTIONS := AddNewUser UserConfig UpdateConfig ConfigDeleted UserAvailableServices GenerateLabel \
             CancelLabel CreateManifest PrintManifest ExtendedPropertyMapping Quote Identifiers StreamWebhook
WORKER_FUNCTIONS := SyncScheduler SyncWorker WriteBack DispatchPoll
FUNCTIONS := $(ENDPOINT_FUNCTIONS) $(WORKER_FUNCTIONS)

lc = $(shell echo '$(1)' | tr '[:upper:]' '[:lower:]')
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: run test tools lint bench build invoke deploy manifest clean

# build-<Name>Function is what `sam build` runs for BuildMethod: makefile.
define function_target
.PHONY: build-$(1)Function
build-$(1)Function:
	$$(LAMBDA_BUILD) -o $$(or $$(ARTIFACTS_DIR),$$(CURDIR)/.build/$(1)Function)/bootstrap ./functions/$(call lc,$(1))
endef
$(foreach f,$(FUNCTIONS),$(eval $(call function_target,$(f))))

build: $(addprefix build-,$(addsuffix Function,$(FUNCTIONS)))

invoke:
	@test -n '$(FN)' -a -n '$(EVENT)' || { echo 'usage: make invoke FN=<LogicalId> EVENT=events/<file>.json [TOKEN=…] [SANDBOX=1]'; \
	  echo 'functions: $(addsuffix Function,$(ENDPOINT_FUNCTIONS))'; exit 2; }
	@$(GO) run ./internal/invoke -fn '$(FN)' -event '$(EVENT)' -data '$(DATA_DIR)' -token '$(TOKEN)' -sandbox=$(if $(SANDBOX),true,false)

deploy:
	sam build && sam deploy

manifest:
	@test -n '$(BASE_URL)' || { echo 'usage: make manifest BASE_URL=https://<api-id>.execute-api.<region>.amazonaws.com [LOGO_URL=…]'; exit 2; }
	@$(GO) run ./internal/appmanifest -base '$(BASE_URL)' -logo '$(LOGO_URL)'

run:
	$(GO) run ./internal/localrun -addr '$(ADDR)' -data '$(DATA_DIR)'

test: tools
	$(GO) vet ./...
	PATH='$(VENV)/bin':"$$PATH" $(GO) test $(TEST_FLAGS) ./...

tools:
	@if $(have_py_tools); then exit 0; fi; \
	echo "make tools: installing $(PY_TOOLS) into $(VENV)"; \
	command -v '$(PYTHON)' >/dev/null || { echo "make tools: $(PYTHON) is not installed; install Python 3 (3.9 or later) and run make tools again" >&2; exit 1; }; \
	'$(PYTHON)' -m venv '$(VENV)' || { echo "make tools: could not create $(VENV); on Debian or Ubuntu install python3-venv" >&2; exit 1; }; \
	'$(VENV)/bin/python3' -m pip install --quiet --disable-pip-version-check $(foreach p,$(PY_TOOLS),'$(p)') || \
	  { rm -rf '$(VENV)'; echo "make tools: pip could not install $(PY_TOOLS) (is a Python package index reachable?)" >&2; exit 1; }; \
	if ! $(have_py_tools); then echo "make tools: the tools are still missing after the install" >&2; exit 1; fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@test -x '$(BIN)/staticcheck' || GOBIN='$(BIN)' $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	'$(BIN)/staticcheck' ./...

bench:
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem ./...

clean:
	rm -rf .build .aws-sam
