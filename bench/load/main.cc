// switchyard-load: the end-to-end load driver (options.h for its command line, driver.h for how
// it drives). Exit 0 after a run, whatever the target answered; 2 for bad options; 1 when the
// target cannot be resolved, the CA file not loaded, or the result files not written.
#include <signal.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>

#include "bench/load/driver.h"
#include "bench/load/options.h"
#include "bench/load/report.h"

int main(int argc, char** argv) {
  auto parsed = sy::load::parse_options(argc, argv);
  if (!parsed.value) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
    return parsed.exit_code;
  }
  const auto& o = *parsed.value;
  // A server closing under a write is a failure to count, not a reason to die.
  ::signal(SIGPIPE, SIG_IGN);
  sy::load::run_result result;
  try {
    result = sy::load::run_load(o, std::cerr);
  } catch (const std::exception& e) {
    // Before any load: the host does not resolve, or the CA file does not load.
    std::cerr << "error: " << o.url << ": " << e.what() << "\n";
    return 1;
  }
  sy::load::write_summary(std::cout, o, result);
  if (!o.json_path.empty()) {
    std::ofstream file(o.json_path);
    file << boost::json::serialize(sy::load::to_json(o, result)) << "\n";
    if (!file) {
      std::cerr << "error: --json: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  if (!o.distribution_path.empty()) {
    std::ofstream file(o.distribution_path);
    sy::load::write_distribution(file, result.latency_ns);
    if (!file) {
      std::cerr << "error: --distribution: cannot write " << o.distribution_path << "\n";
      return 1;
    }
  }
  return 0;
}
