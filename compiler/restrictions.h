// Symmetry breaking: partial-order restrictions between pattern vertices so that every
// subgraph is found exactly once instead of |Aut(P)| times.
//
// A restriction (a, b) demands match(a) < match(b). A set of restrictions R is *correct and
// complete* when, for every subgraph found, exactly one of its |Aut(P)| automorphic
// embeddings satisfies R. Only the relative order of the matched ids matters, so this is
// checked over the k! rankings of the pattern vertices: for every ranking, exactly one
// automorphism α must satisfy rank(α(a)) < rank(α(b)) for all (a, b) in R (GraphPi,
// Shi et al., SC 2020, checks its candidate sets the same way).
//
// Candidates come from the orbit-stabiliser chain (Grochow and Kellis, RECOMB 2007): pick a
// vertex v in a non-trivial orbit of the current group, demand v < u for every other u in
// its orbit, continue with the stabiliser of v. Every choice of v at every step gives a
// correct set; different choices bound different loop levels, so the schedule search prices
// several of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/pattern.h"

namespace graphmini {

struct Restriction {
  int smaller;  // match(smaller) < match(larger)
  int larger;
  bool operator==(const Restriction&) const = default;
  auto operator<=>(const Restriction&) const = default;
};

using RestrictionSet = std::vector<Restriction>;  // sorted

// Distinct candidate restriction sets, at most `limit`; the first is the one the plain chain
// (smallest v first) gives.
std::vector<RestrictionSet> candidate_restriction_sets(const Pattern& pattern,
                                                       std::size_t limit = 32);

// The check described above, over all k! rankings.
bool breaks_symmetry_exactly(const RestrictionSet& restrictions,
                             const std::vector<std::vector<int>>& automorphisms);

// "(0<1) (0<2) (1<2)"
std::string to_string(const RestrictionSet& restrictions);

}  // namespace graphmini
