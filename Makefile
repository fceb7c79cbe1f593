# Two commands for a fresh clone:  `make run` (set up, then start album) and `make test`.
# Everything lands in .venv; nothing is installed outside the checkout.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test bench clean

setup: $(STAMP)

# torch first, pinned to the CPU-capable wheels this workplace keeps on disk; otherwise pip would
# resolve open-clip-torch's bare `torch` to a multi-GB CUDA download from the index.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "album needs $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: setup
	$(BIN)/album $(ARGS)

test: setup
	$(BIN)/pytest $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
