"""The Replicate step's sections, each a small widget that renders the controller's case
and forwards what the user asked for (every rule is `case/`'s): `plan.PlanSection`,
`export.ExportSection` (with `rewrap.RewrapSection`), `imports.ImportSection`,
`update.UpdateSection`; `common` holds their shared widgets; background work is one
`workers.LatestJob` per kind (the latest wins). The live check is `gui.verify_panel`; the
container is `gui.replicate_page.ReplicatePage`."""
