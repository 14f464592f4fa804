#!/bin/sh
# Runs the libFuzzer targets one after the other (make fuzz, see
# t/Makefile.am): each for SECONDS from its seeds in CORPUS/NAME, new
# inputs kept in OUT/NAME/corpus, its output in OUT/NAME/fuzz.log.  Prints
# one line of figures per target (executions, speed, coverage, corpus).
# A crash, a sanitizer report, a leak, a timeout (10 s for one input) or
# running out of memory leaves the input in OUT/NAME, prints the end of
# the log and makes the exit status 1; the other targets still run.
#
# Usage: run.sh SECONDS OUT CORPUS NAME...     (in the build's t/)
set -u

secs=$1
out=$2
corpus=$3
shift 3

# "NAME: ok, 1234567 executions (20576/s), cov 1234, ft 5678, corpus 90
# (12 new)" from the log's final stats and its last status line.
figures() {
    awk -v name="$1" -v result="$2" '
        /^stat::number_of_executed_units:/ { runs = $2 }
        /^stat::average_exec_per_sec:/ { speed = $2 }
        /^stat::new_units_added:/ { added = $2 }
        /^#[0-9]+\t/ {
            for (i = 1; i < NF; i++) {
                if ($i == "cov:") cov = $(i + 1)
                if ($i == "ft:") ft = $(i + 1)
                if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
            }
        }
        END {
            printf "%s: %s, %s executions (%s/s), cov %s, ft %s, " \
                   "corpus %s (%s new)\n", name, result, runs, speed, cov,
                   ft, corp, added
        }' "$3"
}

failed=0
for name in "$@"; do
    dir=$out/$name
    log=$dir/fuzz.log
    mkdir -p "$dir/corpus"
    echo "fuzz: $name for $secs s"
    # temporary files too: a crash leaves them here, not in /tmp
    if TMPDIR=$(cd "$dir" && pwd) \
        "./fuzz/${name}_fuzz" -max_total_time="$secs" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/" \
        "$dir/corpus" "$corpus/$name" >"$log" 2>&1
    then
        figures "$name" ok "$log"
    else
        failed=1
        tail -n 60 "$log"
        figures "$name" FAILED "$log"
        ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' |
            sed "s|^|    input: $dir/|"
    fi
done
exit $failed
