// Fuzzes the pattern parser twice over: the input as a pattern file, and (when it is a short
// single line) as a spec typed on the command line. Either gives a valid pattern, which then
// survives the analyses every plan starts with, or is rejected with a graphmini::Error.
#include <string>

#include "compiler/pattern.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

void check(const graphmini::Pattern& pattern) {
  if (pattern.size() < graphmini::kMinPatternSize || pattern.size() > graphmini::kMaxPatternSize)
    std::abort();
  if (graphmini::automorphisms(pattern).empty()) std::abort();  // the identity, at least
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = graphmini::fuzz;
  const auto path = fuzz::write_input(data, size);
  fuzz::expect_clean_rejection_or_success([&] { check(graphmini::parse_pattern(path.string())); });
  const std::string spec(reinterpret_cast<const char*>(data), size);
  if (size < 256 && spec.find_first_of("/\n") == std::string::npos && spec != "-") {
    fuzz::expect_clean_rejection_or_success([&] { check(graphmini::parse_pattern(spec)); });
  }
  return 0;
}
