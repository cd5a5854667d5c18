import { NavLink } from "react-router";

/** The inventory pages' own tabs: the store danger overview and the search. */
export function InventoryNav() {
  return (
    <nav className="subnav" aria-label="Inventory">
      <NavLink to="/inventory" end data-testid="subnav-danger">Store danger</NavLink>
      <NavLink to="/inventory/search" data-testid="subnav-search">Search</NavLink>
    </nav>
  );
}
