#!/bin/sh
# Draws a benchmark run (run.sh) as PNG pictures with gnuplot:
#   throughput.png  QPS per thread count, direct, HAProxy and obproxy,
#                   one panel per sysbench test
#   latency.png     sysbench's p95 latency (ms), the same way
#   cpu.png         the proxies' CPU microseconds per query
#   upgrade.png     statements per 100 ms window around the hot upgrade,
#                   the USR2 marked (only when the upgrade test ran)
# Each point is the median of the runs of that cell, as in run.sh's table.
#
# Usage: sh contrib/bench/plot.sh RUN-DIR OUT-DIR
#   RUN-DIR holds run.sh's "results" (and "upgrade.results"); run.sh calls
#   this itself into BENCH_PLOT, or keep a run with BENCH_KEEP=1 and draw
#   it again later.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 RUN-DIR OUT-DIR" >&2; exit 2; }
run=$1
out=$2
command -v gnuplot >/dev/null 2>&1 ||
    { echo "plot: no gnuplot (Debian package gnuplot-nox)" >&2; exit 1; }
[ -s "$run/results" ] || { echo "plot: no results in $run" >&2; exit 1; }
mkdir -p "$out/data"

# One file per sysbench test: "threads" then, per target (direct,
# haproxy, obproxy), the medians of QPS, p95 ms and proxy us per query.
awk -v out="$out/data" '
function median(key,    n, i, j, v, t) {
    n = split(vals[key], v, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
            t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
        }
    if (n == 0) return "NaN"
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function add(key, x) { if (x != "-" && x != "") vals[key] = vals[key] " " x }
$8 == "ok" && ($1 == "point_select" || $1 == "read_only") {
    tests[$1] = 1
    threads[$1 " " $2] = $2
    add($1 " " $2 " " $3 " qps", $4)
    add($1 " " $2 " " $3 " p95", $5)
    add($1 " " $2 " " $3 " us", $11)
}
END {
    split("direct haproxy obproxy", targets, " ")
    for (k in threads) {
        split(k, tt, " ")
        f = out "/" tt[1] ".dat"
        line = tt[2]
        for (i = 1; i <= 3; i++)
            for (m = 1; m <= 3; m++) {
                split("qps p95 us", what, " ")
                line = line " " median(k " " targets[i] " " what[m])
            }
        print line | "sort -n > " f
    }
}' "$run/results"

plot_tests() {
    for t in point_select read_only; do
        if [ -s "$out/data/$t.dat" ]; then printf '%s ' "$t"; fi
    done
}
tests=$(plot_tests)
[ -n "$tests" ] || { echo "plot: no sysbench runs in $run" >&2; exit 1; }
n=$(echo "$tests" | wc -w)

# <png> <title> <ylabel> <first column> <targets>: one panel per test,
# a line per target; columns per target are 3 apart (qps, p95, us).
panels() {
    png=$1 title=$2 ylabel=$3 col=$4 targets=$5
    {
        echo "set terminal pngcairo size $((560 * n)),420 font 'sans,10' noenhanced"
        echo "set output '$out/$png'"
        echo "set multiplot layout 1,$n title '$title'"
        echo "set logscale x 2; set xlabel 'sysbench threads'"
        echo "set ylabel '$ylabel'; set yrange [0:*]; set grid"
        echo "set key top left"
        for t in $tests; do
            echo "set title '$t'"
            sep="plot"
            for target in $targets; do
                # one colour per target in every picture
                case $target in
                direct) c=$col rgb='#808080' ;;
                haproxy) c=$((col + 3)) rgb='#1f77b4' ;;
                obproxy) c=$((col + 6)) rgb='#d62728' ;;
                esac
                printf "%s '%s' using 1:%d with linespoints lw 2 lc rgb '%s'" \
                    "$sep" "$out/data/$t.dat" "$c" "$rgb"
                printf " title '%s'" "$target"
                sep=","
            done
            echo
        done
        echo "unset multiplot"
    } | gnuplot
}

panels throughput.png "throughput (medians)" "queries per second" 2 \
    "direct haproxy obproxy"
panels latency.png "95th percentile latency (medians)" "ms" 3 \
    "direct haproxy obproxy"
panels cpu.png "proxy CPU per query (medians)" "microseconds" 4 \
    "haproxy obproxy"
echo "plot: $out/throughput.png, latency.png, cpu.png"

# The upgrade: windows as seconds from the USR2 (window numbers are
# wall-clock ms / 100, the USR2 a wall-clock ms).
u=$run/upgrade.results
if [ -s "$u" ] && grep -q '^windows ' "$u"; then
    awk '/^load / { usr2 = $2 }
        /^windows / { first = $2; for (i = 3; i <= NF; i++) w[i] = $i; nf = NF }
        END {
            for (i = 3; i <= nf; i++)
                printf "%.1f %d\n", ((first + i - 3) * 100 - usr2) / 1000, w[i]
        }' "$u" >"$out/data/upgrade.dat"
    {
        echo "set terminal pngcairo size 900,380 font 'sans,10' noenhanced"
        echo "set output '$out/upgrade.png'"
        echo "set title 'hot upgrade under load: statements per 100 ms window'"
        echo "set xlabel 'seconds from USR2'; set ylabel 'statements'"
        echo "set yrange [0:*]; set grid"
        echo "set arrow from 0, graph 0 to 0, graph 1 nohead lw 2 lc rgb 'red'"
        echo "set label 'USR2' at 0, graph 0.95 offset 0.5,0 textcolor rgb 'red'"
        echo "plot '$out/data/upgrade.dat' using 1:2 with steps lw 2 notitle"
    } | gnuplot
    echo "plot: $out/upgrade.png"
fi
