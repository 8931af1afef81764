# Installing rein: `make install` (cmake --install; PREFIX, DESTDIR) and the Debian package
# (`make deb`, CPack's DEB generator). Layout and package behaviour: docs/install.md.
include(GNUInstallDirs)

# reind finds rein-holder and librein-bind.so through these paths from its own folder
# (daemon/install_paths.cpp). Relative, so an installed tree works wherever it is moved; and the
# same for any prefix given at install time, since the folders below are the same relative ones.
file(RELATIVE_PATH REIN_INSTALL_HOLDER_DIR "${CMAKE_INSTALL_FULL_BINDIR}"
  "${CMAKE_INSTALL_FULL_LIBEXECDIR}/rein")
file(RELATIVE_PATH REIN_INSTALL_BIND_LIBRARY_DIR "${CMAKE_INSTALL_FULL_BINDIR}"
  "${CMAKE_INSTALL_FULL_LIBDIR}/rein")
configure_file(${CMAKE_CURRENT_LIST_DIR}/rein_install_dirs.hpp.in
  ${CMAKE_BINARY_DIR}/generated/rein_install_dirs.hpp @ONLY)
target_include_directories(rein_daemon PRIVATE ${CMAKE_BINARY_DIR}/generated)
# Compiled on its own: another layout then recompiles this file, not a whole unity batch.
set_source_files_properties(daemon/install_paths.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)

install(TARGETS rein reind RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS rein-holder RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/rein)
# Preloaded, never run: not executable (as Debian wants of shared libraries).
install(TARGETS rein-bind LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/rein
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The docs keep the source tree's shape, so README.md's links (docs/cluster.md) and the example
# ecosystem file's script paths (examples/demo/ticker.sh) still point at the right files.
install(FILES README.md ecosystem.example.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(DIRECTORY examples DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit template rein@.service: written at install time, when the prefix (and so the path of
# reind) is known, by a tool that calls the code behind `rein startup`. A package for /usr puts it
# where Debian 12 keeps units (/lib/systemd/system); any other prefix in its own lib/systemd/system
# (which systemd also reads for /usr/local).
add_executable(rein-systemd-template tools/systemd_template.cpp)
target_compile_options(rein-systemd-template PRIVATE ${REIN_WARNINGS})
target_link_libraries(rein-systemd-template PRIVATE rein_cli)
install(CODE "
  set(bin \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(unit \"${CMAKE_BINARY_DIR}/systemd/rein@.service\")
  file(MAKE_DIRECTORY \"${CMAKE_BINARY_DIR}/systemd\")
  execute_process(COMMAND \"$<TARGET_FILE:rein-systemd-template>\" \"\${bin}/reind\" \"\${bin}/rein\"
    OUTPUT_FILE \"\${unit}\" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR \"rein-systemd-template failed: \${failed}\")
  endif()
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(unit_dir /lib/systemd/system)
  else()
    set(unit_dir \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  file(INSTALL \"\${unit}\" DESTINATION \"\${unit_dir}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
")

# The Debian package: `make deb` -> build/rein_<version>-<release>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rein)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "rein")
set(CPACK_PACKAGE_CONTACT "rein maintainers <maintainers@rein.invalid>" CACHE STRING
  "Maintainer field of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "process manager for apps in any language (PM2's workflow)")
# Lines of at most 80 characters, as Debian wants them.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "rein keeps programs in any language running: it restarts them when they exit,"
  "captures and rotates their logs, runs several instances of a server on one"
  "socket with zero-downtime reloads (cluster mode), brings the saved set back at"
  "boot, and shows it all in a terminal dashboard. It reads PM2's ecosystem files"
  "and speaks PM2's vocabulary, as two small native programs: the daemon reind"
  "and the command-line client rein.")
# Installed by CPack under /usr with DESTDIR, so the install-time code above sees the real prefix.
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The release (the part after the version) is 1 unless REIN_DEB_RELEASE says otherwise at
# `make deb` time (a rebuilt package of the same version: cmake/deb_package.cmake).
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
# What Debian's tools would add to the staged tree (stripping, changelog, copyright, lintian
# overrides): cmake/deb_files.cmake, for the package alone, never for `make install`.
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/deb_package.cmake)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb_files.cmake)
set(CPACK_REIN_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_REIN_DOCDIR ${CMAKE_INSTALL_DOCDIR})
set(CPACK_REIN_STRIP ${CMAKE_STRIP})
set(CPACK_REIN_ELF_FILES
  ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/rein
  ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/reind
  ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBEXECDIR}/rein/rein-holder
  ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/rein/librein-bind.so)
include(CPack)
