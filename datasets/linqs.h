// LINQS citation datasets (Cora, CiteSeer, ...) as published by LINQS.
//
// A folder X/ holding X.content[.gz] (one paper per line: "<paper id> <f1> ... <fF> <class>",
// tab-separated binary word features), X.cites[.gz] ("<cited id> <citing id>" per line,
// treated as undirected) and optionally split files X.NAME-split.tsv[.gz] such as
// X.planetoid-split.tsv ("<paper id> train|val|test"; '#' comment lines; papers not listed
// are in no split). Paper ids are strings.
//
// Nodes are the papers of .content in file order, followed by ids that appear only in .cites
// (in order of first appearance) with all-zero features and no class — the standard
// Planetoid treatment, which keeps CiteSeer's 15 such ids. Classes are numbered in order of
// their name. Features are kept sparse. Every malformed line (wrong column count, a
// non-binary feature, a duplicate paper id, a split naming an unknown paper or one without a
// class) is a ParseError with file and line.
#pragma once

#include <filesystem>
#include <string>

#include "datasets/dataset.h"

namespace graphmini::datasets {

// Reads the split file X.SPLIT-split.tsv (an InvalidArgument listing the names present when
// it is missing); with no name the planetoid split when present, else none.
Dataset read_linqs(const std::filesystem::path& folder, const std::string& split = "");

// True when the folder looks like a LINQS dataset (holds <name>.content[.gz]).
bool is_linqs_folder(const std::filesystem::path& folder);

}  // namespace graphmini::datasets
