#include "compiler/restrictions.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace graphmini {
namespace {

using Permutation = std::vector<int>;

// Depth-first over the orbit-stabiliser chain; each leaf is one restriction set.
void extend_chain(const std::vector<Permutation>& group, RestrictionSet& current,
                  std::set<RestrictionSet>& found, std::size_t limit, int size) {
  if (found.size() >= limit) return;
  if (group.size() == 1) {
    RestrictionSet sorted = current;
    std::sort(sorted.begin(), sorted.end());
    found.insert(sorted);
    return;
  }
  for (int v = 0; v < size && found.size() < limit; ++v) {
    std::vector<int> orbit;
    for (const Permutation& p : group)
      orbit.push_back(p[v]);
    std::sort(orbit.begin(), orbit.end());
    orbit.erase(std::unique(orbit.begin(), orbit.end()), orbit.end());
    if (orbit.size() < 2) continue;
    std::vector<Permutation> stabiliser;
    for (const Permutation& p : group) {
      if (p[v] == v) stabiliser.push_back(p);
    }
    const std::size_t mark = current.size();
    for (const int u : orbit) {
      if (u != v) current.push_back({v, u});
    }
    extend_chain(stabiliser, current, found, limit, size);
    current.resize(mark);
  }
}

}  // namespace

bool breaks_symmetry_exactly(const RestrictionSet& restrictions,
                             const std::vector<std::vector<int>>& automorphisms) {
  if (automorphisms.empty()) return false;
  const int size = static_cast<int>(automorphisms.front().size());
  std::vector<int> rank(size);
  std::iota(rank.begin(), rank.end(), 0);
  do {
    int satisfied = 0;
    for (const Permutation& alpha : automorphisms) {
      const bool ok = std::all_of(restrictions.begin(), restrictions.end(), [&](Restriction r) {
        return rank[alpha[r.smaller]] < rank[alpha[r.larger]];
      });
      satisfied += ok ? 1 : 0;
      if (satisfied > 1) return false;
    }
    if (satisfied != 1) return false;
  } while (std::next_permutation(rank.begin(), rank.end()));
  return true;
}

std::vector<RestrictionSet> candidate_restriction_sets(const Pattern& pattern, std::size_t limit) {
  const std::vector<Permutation> group = automorphisms(pattern);
  std::set<RestrictionSet> found;
  RestrictionSet current;
  extend_chain(group, current, found, std::max<std::size_t>(limit, 1), pattern.size());
  std::vector<RestrictionSet> sets(found.begin(), found.end());
  // The plain chain first: it is the lexicographically smallest by construction order of v.
  // Every set is exact by the orbit-stabiliser argument, so it is not checked here: the check
  // costs k! |Aut(P)| steps a set (P8's 32 sets took 0.2 s, most of its plan), and the tests
  // run it on every set of every connected pattern up to 6 vertices and of P1-P8.
  return sets;
}

std::string to_string(const RestrictionSet& restrictions) {
  if (restrictions.empty()) return "none";
  std::string text;
  for (const Restriction& r : restrictions) {
    if (!text.empty()) text += ' ';
    text += "(" + std::to_string(r.smaller) + "<" + std::to_string(r.larger) + ")";
  }
  return text;
}

}  // namespace graphmini
