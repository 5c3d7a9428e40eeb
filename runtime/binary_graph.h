// The .gmg binary graph format: a graph that loads by memory-mapping, with no parsing and no
// per-edge allocation.
//
// Layout (little-endian): a 128-byte header — magic "GMGRAPH\0", format version, flags
// (oriented, labelled, has original ids), |V|, adjacency entries, |E|, the byte position of
// each array, the file size, a CRC-32 of everything after the header and a CRC-32 of the
// header itself — then the offsets, adjacency, labels and original-id arrays, each starting
// on a 64-byte boundary. Files are written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "runtime/graph.h"
#include "runtime/input.h"

namespace graphmini {

inline constexpr std::uint32_t kBinaryGraphVersion = 1;

enum class Verification {
  full,    // header, payload checksum and every graph invariant: O(|E|), parallel
  header,  // header only: O(1) after the mmap; for files this program wrote and trusts
};

void write_binary_graph(const Graph& graph, const std::filesystem::path& path);

// Throws FormatError for a truncated, corrupted or wrong-version file, IoError when the file
// cannot be read.
Graph map_binary_graph(const std::filesystem::path& path,
                       Verification verification = Verification::full);
// The same from an opened input: a regular uncompressed file is mapped; anything else (a
// pipe, standard input, gzip data) is read into memory, never more than the data holds.
Graph read_binary_graph(Input& input, Verification verification = Verification::full);

// The bytes at the start of a .gmg file.
inline constexpr std::string_view kBinaryGraphMagic{"GMGRAPH\0", 8};
// True when `first_bytes` (the start of an input) begin with the .gmg magic.
bool is_binary_graph(std::string_view first_bytes);

}  // namespace graphmini
