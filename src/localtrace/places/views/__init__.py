"""Pages of the places app: the register of settings, cluster alerts and outbreaks."""
