# Two commands do all the set-up on a fresh machine:
#   make demo   builds the sample statement in every language and format
#   make test   runs the whole test suite
# Each creates the project-local virtual environment (.venv) from requirements.lock first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test install extract update bench clean

demo: $(STAMP)
	$(BIN)/publisher build
	@echo "Outputs are in build/ (open build/fsc-pc-92-dprk/fsc-pc-92-dprk.uk.pdf)"

test: $(STAMP)
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.lock
	@# compat mode: a plain path entry, no import hook to load at every start
	$(PIP) install --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	@# pip's console script imports re before the command starts (3 ms, every command,
	@# before a build server can take it over): this one imports the entry point alone.
	@# (A folder name with a space needs pip's shell trampoline: that one stays.)
	case "$(abspath $(BIN))" in *" "*) ;; *) printf '#!%s\nfrom publisher.__main__ import main\nmain()\n' \
		"$(abspath $(BIN))/python" > $(BIN)/publisher.new && chmod 755 $(BIN)/publisher.new && \
		mv $(BIN)/publisher.new $(BIN)/publisher ;; esac
	@# Bytecode for the package itself: machines that set PYTHONDONTWRITEBYTECODE
	@# would otherwise compile it on every run (Python ignores stale .pyc files).
	$(BIN)/python -m compileall -q publisher
	touch $@

extract: $(STAMP)
	$(BIN)/publisher extract

update: $(STAMP)
	$(BIN)/publisher update

bench: $(STAMP)
	@command -v pandoc >/dev/null || { echo "bench needs pandoc: apt-get install pandoc"; exit 2; }
	$(BIN)/python benchmarks/matrix.py

clean:
	rm -rf build
