// Hashes whose values are the same in every process, build and platform,
// unlike absl::Hash (seeded per process). They decide which graph every stored
// conversation has, the simulator's replies and its fault decisions, so a
// resumed job or a restarted simulator makes the same choices: the values
// never change.
#pragma once

#include <cstdint>
#include <string_view>

namespace codi {

inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;
// SplitMix64's increment, the golden ratio in 64 bits.
inline constexpr uint64_t kSplitMix64Gamma = 0x9e3779b97f4a7c15ULL;

// FNV-1a 64 over the bytes of `data`, starting from `basis`. Chain calls by
// passing one's result as the next one's basis.
constexpr uint64_t Fnv1a64(std::string_view data, uint64_t basis = kFnv1a64OffsetBasis) {
  uint64_t h = basis;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// SplitMix64's output function: a bijective mix with good avalanche.
constexpr uint64_t SplitMix64Finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One SplitMix64 step from state `x`: the gamma added, then finalized.
constexpr uint64_t Mix64(uint64_t x) { return SplitMix64Finalize(x + kSplitMix64Gamma); }

// Combines two hashes order-dependently.
constexpr uint64_t HashCombine(uint64_t a, uint64_t b) { return Mix64(a ^ Mix64(b)); }

// FNV-1a 64 over `bytes` from a basis perturbed by `seed`, finalized with
// SplitMix64.
constexpr uint64_t StableHash(std::string_view bytes, uint64_t seed = 0) {
  return SplitMix64Finalize(Fnv1a64(bytes, kFnv1a64OffsetBasis ^ SplitMix64Finalize(seed)));
}

}  // namespace codi
