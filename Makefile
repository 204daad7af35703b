# The two commands of the README, and a plain build. Meson does the work.
#   make         build build/robinet
#   make demo    install what is missing, build, create var/demo.db, serve
#   make check   install what the tests need, build, run the whole suite
BUILD	?= build
DEMO_DB	?= var/demo.db
DEMO_LISTEN ?= 127.0.0.1:8080

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release

demo:
	scripts/bootstrap
	$(MAKE) all
	mkdir -p var
	test -f $(DEMO_DB) || $(BUILD)/robinet demo --db sqlite:$(DEMO_DB)
	$(BUILD)/robinet serve --demo --migrate --db sqlite:$(DEMO_DB) --listen $(DEMO_LISTEN)

check:
	scripts/bootstrap --test
	scripts/check

clean:
	rm -rf $(BUILD) build-asan build-fuzz

.PHONY: all demo check clean
