# Two commands: `make demo` and `make test`. Everything else is `.venv/bin/jiceng <command>`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCALE  ?= county

# The WeChat official account (/wechat/) of `make demo`: from the environment or the command
# line (`make demo WECHAT_TOKEN=…`) to the server, which runs in the recipe's process.
export WECHAT_TOKEN WECHAT_APP_ID WECHAT_AES_KEY

.PHONY: demo test serve worker clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	-$(BIN)/jiceng assets  # ECharts, served locally; offline, the dashboards show tables
	touch $@

demo: $(STAMP)  ## migrate, load demo data into var/jiceng.sqlite3 (once), print accounts, serve on $$PORT (8000)
	$(BIN)/jiceng demo --scale $(SCALE) --serve

test: $(STAMP)  ## the whole suite, on SQLite unless DATABASE_URL says otherwise
	$(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/jiceng serve

worker: $(STAMP)
	$(BIN)/jiceng worker

clean:
	rm -rf var/ .hypothesis/
