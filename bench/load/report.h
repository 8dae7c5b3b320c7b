// What a load run reports: the JSON result file, the human summary, and the latency distribution
// as a percentile table that gnuplot draws on a 1/(1-p) axis.
#pragma once

#include <boost/json/object.hpp>
#include <iosfwd>

#include "bench/load/driver.h"
#include "bench/load/options.h"

namespace sy::load {

// The options that shaped the run and everything it measured; latencies in microseconds.
boost::json::object to_json(const options& o, const run_result& r);

// A few lines for a terminal: throughput, percentiles, errors, the driver's CPU time.
void write_summary(std::ostream& out, const options& o, const run_result& r);

// One row per non-empty bucket below the maximum: latency (us), cumulative fraction p, count at
// or below, and 1/(1-p); the maximum in a comment, as HdrHistogram's percentile output does.
void write_distribution(std::ostream& out, const histogram& h);

}  // namespace sy::load
