# Read by cpack (CPACK_PROJECT_CONFIG_FILE) when it makes the .deb. A package rebuilt from the
# same version gets a higher release to be taken as an upgrade: `make deb REIN_DEB_RELEASE=2`.
if(DEFINED ENV{REIN_DEB_RELEASE} AND NOT "$ENV{REIN_DEB_RELEASE}" STREQUAL "")
  if(NOT "$ENV{REIN_DEB_RELEASE}" MATCHES "^[0-9A-Za-z.+~]+$")
    message(FATAL_ERROR "REIN_DEB_RELEASE='$ENV{REIN_DEB_RELEASE}' is not a Debian revision "
                        "(digits, letters and . + ~)")
  endif()
  set(CPACK_DEBIAN_PACKAGE_RELEASE "$ENV{REIN_DEB_RELEASE}")
endif()
