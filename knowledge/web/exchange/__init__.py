"""The exchange's pages: questions, adoptions and collections on a case (pages), a person's
own bookmarks, follows and notifications (personal), the editors' curation, and Atom feeds."""
