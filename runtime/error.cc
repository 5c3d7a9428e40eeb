#include "runtime/error.h"

#include <cstring>

namespace graphmini {

IoError::IoError(const std::string& what, const std::string& path, int errno_value)
    : Error(what + " '" + path + "': " + std::strerror(errno_value)) {}

ParseError::ParseError(std::string path, std::uint64_t line, const std::string& message)
    : Error(path + ":" + std::to_string(line) + ": " + message),
      path_(std::move(path)),
      line_(line) {}

FormatError::FormatError(const std::string& path, const std::string& message)
    : Error(path + ": " + message) {}

}  // namespace graphmini
