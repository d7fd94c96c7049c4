#pragma once
// Every exception dtwin throws derives from dtwin::Error, so one catch handles them all; the
// three kinds map to Python ValueError, RuntimeError and OSError in the bindings.
#include <stdexcept>
#include <string>

namespace dtwin {

class Error {
 public:
  virtual ~Error() = default;
  virtual const char* what() const noexcept = 0;
};

// A bad argument: wrong shape, NaN, an out-of-range parameter. Python: ValueError.
class InvalidArgument : public std::invalid_argument, public Error {
 public:
  explicit InvalidArgument(const std::string& msg) : std::invalid_argument(msg) {}
  const char* what() const noexcept override { return std::invalid_argument::what(); }
};

// Misuse of an object's state (e.g. transform before fit) or a numerical failure. Python: RuntimeError.
class RuntimeError : public std::runtime_error, public Error {
 public:
  explicit RuntimeError(const std::string& msg) : std::runtime_error(msg) {}
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

// A file that cannot be read or written. Python: OSError.
class IOError : public std::runtime_error, public Error {
 public:
  explicit IOError(const std::string& msg) : std::runtime_error(msg) {}
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

}  // namespace dtwin
