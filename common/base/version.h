#pragma once

namespace codi {

// The codi release, printed by every binary's --version.
const char* Version();

}  // namespace codi
