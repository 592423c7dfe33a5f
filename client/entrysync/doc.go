// Package entrysync keeps a running ccflow's entries in step with a folder
// of entry files, the way a contact center keeps them in its own
// repository: it loads and validates the files, plans what would change
// (with a diff per changed entry), applies the plan and exports the live
// entries back to files. Loading, planning and diffing are pure; the rest
// talks to ccflow only through the Remote interface.
package entrysync
