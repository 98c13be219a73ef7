"""A district's own page ("Stadsdelsområde"): its local agreement (chosen priority areas and
goals), its coordinators, its cases, its adoptions and what others have tried that it has not."""
