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

#include "runtime/graph.h"

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

// True when the file starts with the .gmg magic (false for a file too short to tell).
bool is_binary_graph(const std::filesystem::path& path);

}  // namespace graphmini
