# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) on the staged tree of the .deb, before it is packed: what
# Debian's own tools (dh_strip, dh_installchangelogs, dh_lintian) would add. `make install` never
# runs it. Paths and versions come from the CPACK_ variables of cmake/install.cmake.
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
set(doc "${root}${CPACK_PACKAGING_INSTALL_PREFIX}/${CPACK_REIN_DOCDIR}")

# Stripped as dh_strip does: symbols and the .comment/.note sections go; shared libraries keep
# what the dynamic linker needs.
foreach(elf IN LISTS CPACK_REIN_ELF_FILES)
  set(args --remove-section=.comment --remove-section=.note)
  if(elf MATCHES "\\.so$")
    list(APPEND args --strip-unneeded)
  endif()
  execute_process(COMMAND "${CPACK_REIN_STRIP}" ${args} "${root}${elf}" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "strip ${elf} failed: ${failed}")
  endif()
endforeach()

# The changelog of this build of the package, compressed as Debian wants (gzip -9n).
string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC) # honours SOURCE_DATE_EPOCH
set(version "${CPACK_PACKAGE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
file(WRITE "${doc}/changelog.Debian"
  "rein (${version}) unstable; urgency=medium\n\n"
  "  * Built by CPack from rein's source tree (make deb).\n\n"
  " -- ${CPACK_PACKAGE_CONTACT}  ${date}\n")
execute_process(COMMAND gzip -9nf "${doc}/changelog.Debian" RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "gzip of the changelog failed: ${failed}")
endif()

# (file(INSTALL) would add cpack's DESTDIR a second time.)
set(overrides "${root}/usr/share/lintian/overrides")
file(MAKE_DIRECTORY "${overrides}")
file(COPY_FILE "${CPACK_REIN_SOURCE_DIR}/packaging/debian/copyright" "${doc}/copyright")
file(COPY_FILE "${CPACK_REIN_SOURCE_DIR}/packaging/debian/lintian-overrides" "${overrides}/rein")
file(CHMOD "${doc}/copyright" "${doc}/changelog.Debian.gz" "${overrides}/rein"
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
