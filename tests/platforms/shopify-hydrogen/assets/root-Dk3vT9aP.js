/* root route module: components hydrate in entry.client (modelled there). */
export default null;
