// Peregrine's truth files: the published pattern counts of its test suite, one pattern a line
// (the files in graphs/citeseer-labeled/truth/ of the shared datasets).
//
//   [2-3][1-2][1-4](3~4)(2~4)(1~3) 111153
//
// Each [a-b] is a pattern edge and each (a~b) a pair that must not be an edge, vertices
// numbered from 1; the count follows after a blank. The vertex-induced files (4m.txt, 5m.txt,
// 6m.txt) list every non-adjacent pair, the edge-induced ones (4m-edge.txt, ...) none. The
// vertices of a line must be exactly 1 .. k. Blank lines are skipped; anything else that
// does not follow this form is a ParseError naming the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace graphmini::testing {

struct TruthEntry {
  std::string edge_list;  // the edges renumbered from 0, "0-1,1-2": a spec parse_pattern takes
  std::uint64_t count;
};

// Throws IoError when the file cannot be read and ParseError (file and line) for a malformed
// line.
std::vector<TruthEntry> read_truth_file(const std::filesystem::path& path);

}  // namespace graphmini::testing
