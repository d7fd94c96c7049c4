# The two commands of the README: `make quickstart` and `make test`. Each installs what is
# missing (scripts/bootstrap), builds and runs.
PY      ?= /usr/bin/python3
VENV    := .venv
BUILD   := _build/cmake
PREFIX  := $(CURDIR)/_build/install
JOBS    ?= 2

.PHONY: bootstrap cpp install-cpp python test test-cpp test-python quickstart bench clean

bootstrap:
	@bash scripts/bootstrap

cpp: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DPython3_EXECUTABLE=$(PY) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

install-cpp: cpp
	@cmake --install $(BUILD) >/dev/null

python: bootstrap
	@test -x $(VENV)/bin/python || $(PY) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/pip install --no-build-isolation --no-index --no-deps -q .

test-cpp: install-cpp
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The C++ build provides twin_tool, with which the end-to-end test reads archives from C++.
test-python: python cpp
	DTWIN_TWIN_TOOL=$(CURDIR)/$(BUILD)/tests/cpp/twin_tool $(VENV)/bin/python -m pytest -q tests/python

test: test-cpp test-python

quickstart: python
	$(VENV)/bin/python examples/quickstart.py

bench: python
	$(VENV)/bin/python bench/phate.py
	$(VENV)/bin/python bench/sparse_generation.py
	$(VENV)/bin/python bench/pgan.py
	$(VENV)/bin/python bench/pgan_loss.py
	$(VENV)/bin/python bench/soft_sensor.py
	$(VENV)/bin/python bench/twin.py
	$(VENV)/bin/python bench/distributed.py

clean:
	rm -rf _build $(VENV) *.egg-info python/*.egg-info build
