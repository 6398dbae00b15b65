import Gateway

print("\(GatewayInfo.name): not implemented yet")
