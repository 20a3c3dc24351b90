// Hashes whose values are the same in every process and build, unlike
// absl::Hash (seeded per process). Replies and fault decisions derive from
// them, so a restarted simulator answers exactly as before.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace codi {

// FNV-1a over the bytes of `data`, starting from `basis`.
inline uint64_t Fnv1a64(absl::string_view data, uint64_t basis = 0xcbf29ce484222325ULL) {
  uint64_t h = basis;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// SplitMix64's finaliser: a bijective mix with good avalanche.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Combines two hashes order-dependently.
inline uint64_t HashCombine(uint64_t a, uint64_t b) { return Mix64(a ^ Mix64(b)); }

}  // namespace codi
