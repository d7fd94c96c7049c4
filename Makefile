# The two commands of the README: `make quickstart` and `make test`. Each installs what is
# missing (scripts/bootstrap), builds and runs.
PY      ?= /usr/bin/python3
VENV    := .venv
BUILD   := _build/cmake
PREFIX  := $(CURDIR)/_build/install
JOBS    ?= 2

.PHONY: bootstrap cpp install-cpp python test test-cpp test-python test-sanitize fuzz quickstart bench clean

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

# Reliability checks that CI runs after `make test` (docs/reliability.md): the C++ tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, and a short libFuzzer run per parser.
SAN_BUILD    := _build/asan
FUZZ_SECONDS ?= 60
test-sanitize: bootstrap
	@cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDTWIN_SANITIZE=ON \
	  -DDTWIN_INSTALL=OFF >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS) --target dtwin_tests
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

fuzz: cpp
	@cmake -S fuzz -B _build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDTWIN_BUILD_DIR=$(CURDIR)/$(BUILD) >/dev/null
	cmake --build _build/fuzz -j $(JOBS)
	bash fuzz/run.sh csv $(FUZZ_SECONDS)
	bash fuzz/run.sh config $(FUZZ_SECONDS)
	bash fuzz/run.sh archive $(FUZZ_SECONDS)

quickstart: python
	$(VENV)/bin/python examples/quickstart.py

bench: python
	$(VENV)/bin/python bench/phate.py
	$(VENV)/bin/python bench/sparse_generation.py
	$(VENV)/bin/python bench/pgan.py
	$(VENV)/bin/python bench/pgan_loss.py
	$(VENV)/bin/python bench/soft_sensor.py
	$(VENV)/bin/python bench/twin.py
	$(VENV)/bin/python bench/dask_unit.py

clean:
	rm -rf _build $(VENV) *.egg-info python/*.egg-info build
