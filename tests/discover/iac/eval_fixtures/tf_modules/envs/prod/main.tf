# A caller one level down: ../../modules/notebook.
module "prod" {
  source   = "../../modules/notebook"
  name     = "prod-nb"
  internet = "Disabled"
}
